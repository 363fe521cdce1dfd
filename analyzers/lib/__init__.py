"""Parsing helpers with no knowledge of any runtime or deploy tool (shell syntax, tree-sitter loading)."""
