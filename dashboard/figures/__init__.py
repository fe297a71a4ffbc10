"""Pure figure builders: data frames and records in, Plotly figures out, every label through t()."""
