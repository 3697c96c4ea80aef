"""TEST HARNESS ONLY: awswrangler.exceptions.NoFilesFound."""


class NoFilesFound(Exception):
    pass
