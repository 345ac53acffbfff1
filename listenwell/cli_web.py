"""`listenwell serve`: the web app (Queue, Reach out, People, Digest, Sources), and the scheduler."""
from __future__ import annotations

import signal

import click

from listenwell.cli_common import ListenwellError, State, echo, pass_state


class _InProcessScheduler:
    """jobs/scheduler.py's jobs on a BackgroundScheduler, under the same one-scheduler-per-database lock
    as `listenwell scheduler`, with its status file so `listenwell jobs` shows the next runs."""

    def __init__(self, config, echo):
        from apscheduler.events import EVENT_JOB_SUBMITTED, EVENT_SCHEDULER_STARTED
        from apscheduler.schedulers.background import BackgroundScheduler

        from jobs.scheduler import SchedulerLock, build_scheduler, lock_path_for, status_path_for, utc_now

        self.lock = SchedulerLock(lock_path_for(config.db_path)).acquire()  # SchedulerLocked if one runs
        self.status_path = status_path_for(config.db_path)
        self.started_at = utc_now()
        try:
            self.scheduler = build_scheduler(config, scheduler_cls=BackgroundScheduler, echo=echo)
            self.scheduler.add_listener(self._write_status, EVENT_SCHEDULER_STARTED | EVENT_JOB_SUBMITTED)
            self.scheduler.start()
        except BaseException:
            self.lock.release()
            raise

    def _write_status(self, event) -> None:
        try:
            from jobs.scheduler import job_plan, write_status

            write_status(self.status_path, job_plan(self.scheduler), self.started_at)
        except Exception:  # the status file is a convenience
            pass

    def stop(self) -> None:
        jobs = getattr(self.scheduler, "listenwell_jobs", None)
        if jobs is not None and hasattr(jobs, "stopping"):
            jobs.stopping.set()
        try:
            self.scheduler.shutdown(wait=True)  # lets the running job finish
        finally:
            try:
                self.status_path.unlink()
            except OSError:
                pass
            self.lock.release()


def _start_scheduler(config, echo):
    """The scheduler in this process; None when this build has none or another scheduler runs."""
    try:
        from jobs.scheduler import SchedulerError
    except ImportError:
        echo("listenwell web: no scheduler in this build; serving pages only")
        return None
    try:
        return _InProcessScheduler(config, echo)
    except SchedulerError as exc:
        echo(f"listenwell web: not running the scheduler here: {exc}")
        return None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address needs HTTPS in front (cookies are Secure).")
@click.option("--port", default=8321, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-scheduler", is_flag=True, help="Serve pages only; do not run the scheduled jobs in this process.")
@click.option("--hash-password", is_flag=True,
              help="Ask for a password, print its hash for the environment variable named by web.password_hash_env, "
                   "and exit.")
@pass_state
def serve(state: State, host: str, port: int, no_scheduler: bool, hash_password: bool) -> None:
    """Serve the web app: the reply queue, reach-out list, people, digests and source health.

    Log in with the password whose hash is in the environment variable named by
    web.password_hash_env (LISTENWELL_WEB_PASSWORD_HASH by default). Without one, the first start
    prints a login token once and keeps only its hash next to the database.

    \b
    Example:
      listenwell serve
      export LISTENWELL_WEB_PASSWORD_HASH="$(listenwell serve --hash-password)"
      listenwell serve --host 127.0.0.1 --port 8321 --no-scheduler
    """
    from listenwell.web.auth import AuthSetupError, hash_password as make_hash, load_login_secrets

    if hash_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
        if len(password) < 10:
            raise ListenwellError("use at least 10 characters")
        echo(make_hash(password))
        return

    import uvicorn

    from listenwell.web import create_app
    from listenwell.web.security import is_loopback

    config = state.config
    try:
        secrets = load_login_secrets(config.db_path, config.web.password_hash_env)
    except AuthSetupError as exc:
        raise ListenwellError(f"web login: {exc}") from None
    if secrets.new_token:
        echo(f"\nlistenwell web: ${config.web.password_hash_env} is not set, so this login token was generated.\n"
                   f"It is shown only this once (its hash is kept in {secrets.source}):\n\n"
                   f"    {secrets.new_token}\n", err=True)
    elif secrets.source.startswith("env:"):
        echo(f"listenwell web: logging in with the password whose hash is in ${config.web.password_hash_env}",
                   err=True)
    else:
        echo(f"listenwell web: log in with the token printed at first start (delete {secrets.source} "
                   f"to generate a new one)", err=True)
    if not is_loopback(host):
        echo(f"listenwell web: listening on {host}: put HTTPS in front; session cookies are marked Secure.",
                   err=True)

    scheduler = None if no_scheduler else _start_scheduler(config, lambda m: echo(m, err=True))
    # a scheduler in this process writes through its own connections: the pages then open the database
    # in the same (read-write) mode, since DuckDB refuses mixed modes within one process
    # the address it binds is a name it answers to (besides web.trusted_hosts), unless it is every address
    extra_hosts = [] if host in ("0.0.0.0", "::", "") else [host]
    app = create_app(config, secrets, reads_read_only=scheduler is None, extra_hosts=extra_hosts)
    echo(f"listenwell web: http://{host if ':' not in host else f'[{host}]'}:{port}/", err=True)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", server_header=False,
                                           proxy_headers=False, access_log=True))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal; these handlers
    # absorb that re-raise so the scheduler below can finish its current job and release its lock
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        try:
            if scheduler is not None:
                echo("listenwell web: stopping the scheduler (the current job finishes first)", err=True)
                scheduler.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
