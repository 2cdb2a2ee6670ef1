"""The meeting's papers: its agenda and documents."""
