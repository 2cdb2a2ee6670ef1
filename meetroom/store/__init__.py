"""Persistence: SQLAlchemy Core (async) over aiosqlite or asyncpg."""
