# Production image: gunicorn for the web, the same image runs the Celery worker.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=build python manage.py collectstatic --noinput -v0
RUN useradd --create-home sodiem && mkdir -p /app/var/media && chown -R sodiem /app/var
USER sodiem
EXPOSE 8000
CMD ["gunicorn", "gradebook.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "5", "--timeout", "60"]
