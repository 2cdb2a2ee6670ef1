"""Identity primitives: password hashing, signed join links, opaque tokens."""
