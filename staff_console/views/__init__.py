"""The staff console's pages, one module per section of the console (see `staff_console.urls`)."""
