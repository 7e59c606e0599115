"""The only URL fetcher WeasyPrint gets: bundled assets and inline ``data:`` URIs, nothing else.

A report template renders values an enterprise or an assessor typed; even if one slipped
past escaping, it must not make the renderer read local files (``file:///etc/passwd``) or
call the network. Refusals are recorded so tests (and logs) can see them.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS = Path(__file__).parent / "assets"
ASSET_SCHEME = "tianping-asset:"
_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


class AssetOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(ASSET_SCHEME):
            name = url[len(ASSET_SCHEME) :].lstrip("/")
            path = (ASSETS / name).resolve()
            if path.parent == ASSETS.resolve() and path.is_file():
                return URLFetcherResponse(
                    url,
                    path.read_bytes(),
                    {"Content-Type": _TYPES.get(path.suffix, "application/octet-stream")},
                )
        self.refused.append(url)
        raise ValueError(f"report renderer refuses to fetch {url!r}: only bundled assets")
