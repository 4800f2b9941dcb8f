"""The one strict base of every schema read from a user's or the project's files: an unknown field is
an error (a misspelt key would otherwise be silently ignored)."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
