"""Checks on uploaded archives shared by the ``sampling`` and ``questionnaires`` readers.

A leaf library: it imports no first-party package, so both may use it without depending on
each other (DESIGN §2).
"""
