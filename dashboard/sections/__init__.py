"""One module per page with that page's sections (the page script in dashboard/views/ stays prose and calls),
and the sections two pages share (`shared`). Each section is a function that draws into the page."""
