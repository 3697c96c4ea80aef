"""TEST HARNESS ONLY: `awsglue.utils.getResolvedOptions` as AWS Glue's own implementation behaves
(aws-glue-libs awsglue/utils.py): argparse over sys.argv[1:], each requested option `--name` required, Glue's reserved
`--job-bookmark-option` (3 choices) and `--TempDir`/`--RedshiftTempDir` known, every other argument ignored
(`parse_known_args`), errors raised instead of exiting. Returns {name: value} with the bookmark option defaulted."""
import argparse

_BOOKMARK = ["job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable"]


class GlueArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise RuntimeError(message)


def getResolvedOptions(args, options):
    if "job-bookmark-option" in options or "continuation-option" in options:
        raise RuntimeError("Using reserved arguments job-bookmark-option")
    parser = GlueArgumentParser()
    parser.add_argument("--job-bookmark-option", choices=_BOOKMARK, required=False)
    parser.add_argument("--continuation-option", required=False)
    parser.add_argument("--RedshiftTempDir", required=False)
    parser.add_argument("--TempDir", required=False)
    for option in [o for o in options if o not in {"RedshiftTempDir", "TempDir"}]:
        parser.add_argument("--" + option, required=True)
    parsed, _extra = parser.parse_known_args(args[1:])
    parsed_dict = vars(parsed)
    parsed_dict.pop("continuation_option", None)
    if parsed_dict.get("job_bookmark_option") is None:
        parsed_dict["job_bookmark_option"] = "job-bookmark-disable"
    return parsed_dict
