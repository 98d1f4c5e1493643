"""One module per console page, each with `register(app)` adding its routes to the console's
sub-application (found by `ivr.console.app.register_pages`; templates in ivr/console/templates/)."""
