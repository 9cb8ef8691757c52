"""GovAI Challenge Platform: the FastAPI service."""
