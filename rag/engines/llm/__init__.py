"""The llm engine: a generative answer from any LLM, checked claim by claim against the cited passages."""
