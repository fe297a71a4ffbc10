"""One module per source family; each defines `SPECS: list[SourceSpec]`."""
