"""The paperless session: agenda, documents, and (later) page-follow, annotations,
votes, speakers and attendance."""
