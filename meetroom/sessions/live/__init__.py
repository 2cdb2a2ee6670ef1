"""The live session of a meeting: presenter and page-follow, annotations, chat,
presence, rights that change while connected, and its relay between nodes."""
