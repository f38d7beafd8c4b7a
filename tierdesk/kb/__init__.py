"""The knowledge base: articles in Markdown with categories, audiences, revisions and search."""
