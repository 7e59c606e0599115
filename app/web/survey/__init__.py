"""The consumer survey: token links, mobile pages, the final submission, the responses API."""
