"""Finding passages: hybrid dense + keyword retrieval steered by the question's outlets and dates, with an
optional learned ranker."""
