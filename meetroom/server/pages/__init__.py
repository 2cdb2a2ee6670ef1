"""Server-rendered pages (aiohttp-jinja2, templates in web/templates)."""
