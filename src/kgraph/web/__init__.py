"""The web face: the SPARQL 1.1 Protocol over the store (FastAPI/Starlette)."""
