"""SQLAlchemy 2's ORM on a sqlite database in /tmp, made at init: each invoke adds an item and reads it back
(the same answer on every warm invoke)."""

import os
import tempfile

from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


handle, path = tempfile.mkstemp(suffix=".db", dir="/tmp")
os.close(handle)
engine = create_engine(f"sqlite:///{path}")
Base.metadata.create_all(engine)


def handler(event, context):
    with Session(engine) as session:
        item = Item(name=event["name"])
        session.add(item)
        session.commit()
        names = session.scalars(select(Item.name).where(Item.id == item.id)).all()
    return {"names": list(names), "dialect": engine.dialect.name}
