"""`listenwell nlp ...`: train and evaluate the tweet sentiment model."""

from __future__ import annotations

import json
from pathlib import Path

import click

nlp_group = click.Group(
    "nlp",
    help="""Sentiment model tools: train on labelled tweets, evaluate on a labelled file.

    Labelled files are tab-separated: id, label (negative/neutral/positive), text.

    \b
    Example:
      listenwell nlp eval data/my-labelled.tsv --json
    """,
)


@nlp_group.command(
    "train-sentiment",
    help="""Train the sentiment model and write the artefact to OUT.

    DATA is a directory of id<TAB>label<TAB>text files (*.txt / *.tsv) or a single
    such file.  Files named with --holdout are not trained on; the model is scored
    on each of them (if none exists, 10% of the rows are held back for the report
    and the final model is refitted on all rows).  Needs scikit-learn
    (pip install 'listenwell[train]').

    \b
    Example:
      listenwell nlp train-sentiment --data ~/data/sentiment --out /tmp/my-model
    """,
)
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path),
              help="Directory of labelled TSV files, or one labelled TSV file.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory for the model artefact (created if missing).")
@click.option("--holdout", "holdout", multiple=True, default=("twitter-2016devtest-A.txt",),
              show_default=True, help="File name (in DATA) or path to hold back and report on; repeatable.")
@click.option("--exclude", "exclude", multiple=True,
              help="File name in DATA not to train on (and not evaluate); repeatable.")
@click.option("--C", "C", type=float, default=None, help="Inverse regularisation strength (default: tuned value).")
@click.option("--no-lexicon", is_flag=True, help="Do not use the VADER polarity lexicon features.")
@click.option("--model-version", default=None, help="Version string stored in meta.json (default: lr-YYYYMMDD).")
@click.option("--json", "as_json", is_flag=True, help="Print the training report as JSON.")
def train_sentiment(data: Path, out: Path, holdout, exclude, C, no_lexicon, model_version, as_json):
    try:
        from nlp.sentiment_train import train
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise click.ClickException(
            f"training needs scikit-learn and scipy ({e}); install with: pip install 'listenwell[train]'"
        )
    settings = {}
    if C is not None:
        settings["C"] = C
    if no_lexicon:
        settings["lexicon"] = None
    if exclude:
        settings["exclude"] = tuple(exclude)
    if model_version:
        settings["version"] = model_version
    try:
        report = train(data, out, holdout=tuple(holdout), **settings)
    except ImportError as e:
        raise click.ClickException(
            f"training needs scikit-learn, scipy and vaderSentiment ({e}); "
            "install with: pip install 'listenwell[train]' (or pass --no-lexicon)"
        )
    except ValueError as e:
        raise click.ClickException(str(e))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"model {report['version']} written to {report['out_dir']} "
               f"({report['n_train']} training posts, {report['train_seconds']} s)")
    if not report["holdout"]:
        click.echo("no holdout file found and too few rows for a split: no held-back metrics")
    for name, m in report["holdout"].items():
        click.echo(f"{name}: n={m['n']} macro_recall={m['macro_recall']:.3f} "
                   f"accuracy={m['accuracy']:.3f} f1_pn={m['f1_pn']:.3f}")


@nlp_group.command(
    "eval",
    help="""Evaluate a sentiment model on a labelled FILE (id<TAB>label<TAB>text).

    Prints the number of posts scored, malformed lines skipped, macro-averaged
    recall over the three classes, accuracy, mean F1 of positive and negative,
    and scoring throughput (posts per second, this process).

    \b
    Example:
      listenwell nlp eval twitter-2016devtest-A.txt --model nlp/models/sentiment --json
    """,
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Model artefact directory (default: the bundled model).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
def eval_cmd(file: Path, model_dir: Path | None, as_json: bool):
    from nlp.semeval import evaluate
    from nlp.sentiment import SentimentModel

    try:
        model = SentimentModel.load(model_dir)
    except (FileNotFoundError, ValueError, KeyError) as e:
        raise click.ClickException(f"cannot load sentiment model: {e}")
    try:
        result = evaluate(model, file)
    except ValueError as e:
        raise click.ClickException(str(e))
    out = {k: result[k] for k in ("n", "skipped", "macro_recall", "accuracy", "f1_pn", "posts_per_s")}
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"n            {out['n']}")
    click.echo(f"skipped      {out['skipped']}")
    click.echo(f"macro_recall {out['macro_recall']:.4f}")
    click.echo(f"accuracy     {out['accuracy']:.4f}")
    click.echo(f"f1_pn        {out['f1_pn']:.4f}")
    click.echo(f"posts_per_s  {out['posts_per_s']:.0f}")


@nlp_group.command(
    "eval-moments",
    help="""Score the moment and intent detectors on a labelled FILE of posts.

    FILE has one post per line: labels<TAB>addressed_to_us (0/1)<TAB>text, where
    labels are comma-separated moment types and intents ('!type' marks a hard
    negative, '-' none). Default: the bundled set tests/data/moments_eval.tsv.
    Prints precision, recall and F1 per type and micro-averaged overall, for the
    dev split and the held-out split (every third post), with the real
    sentiment model scoring intents.

    \b
    Example:
      listenwell nlp eval-moments
      listenwell nlp eval-moments tests/data/moments_eval.tsv --json
    """,
)
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.option("--errors", "show_errors", type=click.Choice(["dev", "heldout"]), default=None,
              help="Also list the posts of this split the detectors got wrong.")
def eval_moments_cmd(file: Path | None, as_json: bool, show_errors: str | None):
    from nlp.moments_eval import evaluate, format_table

    try:
        result = evaluate(file)
    except (ValueError, UnicodeDecodeError) as e:
        raise click.ClickException(str(e))
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(format_table(result))
    if show_errors:
        click.echo(f"\nerrors ({show_errors}):")
        for err in result["errors"][show_errors]:
            click.echo(f"  line {err['line']}: missed={','.join(err['missed']) or '-'} "
                       f"extra={','.join(err['extra']) or '-'}  {err['text']}")


@nlp_group.command(
    "tag",
    help="""Show what the tagger makes of your own text: FILE has one post per line ('-' reads stdin).

    Prints one line per post; with --json, one JSON object per line:
    {"lang", "sentiment", "label", "intents": [...], "evidence": {intent: span},
    "moments": [{"type", "confidence", "evidence"}]}. Posts that are not English are
    not scored by the English models; posts whose language cannot be told are "und".

    \b
    Example:
      listenwell nlp tag my-posts.txt --addressed --json
      echo "@fernhillhq the export failed again, third time this week" | listenwell nlp tag - --addressed
    """,
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--addressed", is_flag=True, help="Read every post as addressed to us (mentions or replies to us).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def tag_cmd(file: Path, addressed: bool, as_json: bool):
    from nlp.tag_record import records

    stream = click.get_text_stream("stdin") if str(file) == "-" else None
    try:
        if stream is not None:
            lines = [line.rstrip("\r\n") for line in stream]
        else:
            with open(file, encoding="utf-8", errors="replace", newline="") as fh:
                lines = [line.rstrip("\r\n") for line in fh]
    except OSError as e:
        click.echo(f"Error: cannot read {file}: {e.strerror or e}", err=True)
        raise SystemExit(2)
    for record in records(lines, addressed_to_us=addressed):
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(_tag_line(record))


def _tag_line(record: dict) -> str:
    parts = [record.get("lang") or "und"]
    if record.get("label"):
        parts.append(f"{record['label']} {record['sentiment']:+.2f}")
    elif record.get("lang") != "en":
        parts.append("not scored")
    for name in record.get("intents", []):
        parts.append(f"{name}: “{record['evidence'].get(name, '')}”")
    for m in record.get("moments", []):
        parts.append(f"moment {m['type']} {m['confidence']:.2f}: “{m['evidence']}”")
    # post text on a terminal: control characters (escape sequences included) are not passed through
    return "".join(ch if ch.isprintable() else " " for ch in " · ".join(parts))
