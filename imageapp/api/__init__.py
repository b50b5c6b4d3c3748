"""The JSON API at /api/v1 (DESIGN.md, API): bearer tokens, pydantic models, OpenAPI. Thin
routes over the same use cases as the two UIs."""
