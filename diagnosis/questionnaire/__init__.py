"""The questionnaire: a versioned spec (`spec`), how answers score (`scoring`), where a company
stands among its peers (`peers`), what to do next (`roadmap`), and the report in its three
forms (`report` for the page and API, `pdf`, `exports` for the answers as CSV), with the
chart (`radar`) and the words for answer scales (`labels`) they share. `simulated` answers it
like a respondent of a given maturity, for demo data and benchmarks."""
