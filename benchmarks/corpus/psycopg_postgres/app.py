"""psycopg 3 against PostgreSQL: a connection made at init (DATABASE_URL), a row written and read back."""

import os

import psycopg

connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
connection.execute("CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, who text NOT NULL)")


def handler(event, context):
    insert = "INSERT INTO visits (who) VALUES (%s) RETURNING who, length(who)"
    row = connection.execute(insert, (event["who"],))
    who, length = row.fetchone()
    version = connection.execute("SHOW server_version_num").fetchone()[0]
    return {"who": who, "length": length, "server_is_postgres": int(version) > 90000}
