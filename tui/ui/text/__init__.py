"""How a document's characters become the reader's rows, and back: pure Python (rich's cell widths
and markdown-it, never Textual), so wrapping, Markdown layout, the offset map and motions are
tested without an app."""
