"""Writes to program data: loading an edition from its data file, copying an edition."""
