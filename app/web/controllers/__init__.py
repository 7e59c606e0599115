"""HTTP handlers: parse, call a service, return a schema or a page."""
