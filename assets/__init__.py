"""The dashboard's static files (CSS and JavaScript), served by Dash from this package."""
