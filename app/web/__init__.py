"""The Litestar web application: server-rendered pages and the JSON API."""
