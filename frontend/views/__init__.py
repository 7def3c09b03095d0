"""Web pages for citizens and helpers. Views stay thin: they validate the shape of input with
forms, then call services (writes) and selectors (reads) of the domain apps."""
