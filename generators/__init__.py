"""Generators: read the planned AppModel and return OutputFiles; one writer writes them."""
