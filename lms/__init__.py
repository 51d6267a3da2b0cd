"""The cadre e-learning platform: `create_app` builds and wires the Flask application."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from lms.config import load_config

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    from lms.progress.hours import check_config

    check_config(app.config)  # a wrong study-hours rule stops start-up, loudly
    from lms.core import storage

    storage.check_config(app.config)  # so does a file store that cannot work

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lms.core import (
        allowances,
        errors,
        i18n,
        inputs,
        params,
        pool,
        security,
        shared,
        templating,
    )
    from lms.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    pool.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    shared.init_app(app)  # before the limiter reads its configuration
    limiter.init_app(app)
    allowances.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    params.init_app(app)
    inputs.init_app(app)
    templating.init_app(app)

    from lms.activities import registry
    from lms.auth import session as auth_session

    auth_session.init_app(app)
    registry.init_app(app)

    from lms.audit import signals as audit_signals
    from lms.progress import signals as progress_signals
    from lms.records import signals as record_signals

    audit_signals.connect()
    progress_signals.connect()
    record_signals.connect()

    from lms import jobs
    from lms.assessment import jobs as assessment_jobs  # noqa: F401
    from lms.progress import jobs as progress_jobs  # noqa: F401  (declares its job kinds)
    from lms.progress import remind_jobs  # noqa: F401
    from lms.records import jobs as record_jobs  # noqa: F401

    jobs.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from lms.admin.imports import bp as imports_bp
    from lms.api import bp as api_bp
    from lms.assessment.bank import bp as bank_bp
    from lms.assessment.grading import bp as grading_bp
    from lms.assessment.views import bp as assessment_bp
    from lms.auth.views import bp as auth_bp
    from lms.catalog.lecturer_pages import bp as activity_pages_bp
    from lms.catalog.teach import bp as teach_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.dashboard.views import bp as dashboard_bp
    from lms.jobs.views import bp as jobs_bp
    from lms.org.audit_views import bp as audit_bp
    from lms.org.views import bp as org_bp
    from lms.progress.manage import bp as tracking_bp
    from lms.progress.views import bp as progress_bp
    from lms.records.admin_views import bp as record_admin_bp
    from lms.records.certificate_views import bp as certificates_bp
    from lms.records.compliance_views import bp as compliance_bp
    from lms.records.entry_views import bp as record_entries_bp
    from lms.records.plan_views import bp as plans_bp
    from lms.records.reading_views import bp as reading_bp
    from lms.records.record_views import bp as record_bp
    from lms.records.rules_views import bp as rules_bp
    from lms.records.views import bp as records_bp
    from lms.training.routes import bp as training_bp

    for bp in (auth_bp, org_bp, catalog_bp, teach_bp, progress_bp, tracking_bp, records_bp,
               dashboard_bp, api_bp, assessment_bp, grading_bp, bank_bp, rules_bp, reading_bp,
               plans_bp, record_entries_bp, record_bp, compliance_bp, record_admin_bp,
               audit_bp, certificates_bp, training_bp, activity_pages_bp, jobs_bp,
               imports_bp):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from lms.admin.cli import backup_cli
    from lms.assessment.cli import questions_cli
    from lms.auth.cli import tokens_cli, users_cli
    from lms.catalog.cli import courses_cli
    from lms.core.storage.cli import media_cli
    from lms.demo.cli import demo_cli
    from lms.jobs.cli import jobs_cli
    from lms.org.cli import cadres_cli, units_cli
    from lms.progress.cli import assignments_cli
    from lms.records.cli import records_cli

    for group in (units_cli, users_cli, cadres_cli, tokens_cli, courses_cli, demo_cli,
                  assignments_cli, questions_cli, records_cli, backup_cli, media_cli,
                  jobs_cli):
        app.cli.add_command(group)
