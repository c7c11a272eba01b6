"""marshmallow schemas loading and dumping a user: validation errors, nested fields, dates."""

from marshmallow import Schema, ValidationError, fields, validate


class AddressSchema(Schema):
    city = fields.Str(required=True)
    postcode = fields.Str(validate=validate.Length(min=3))


class UserSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1))
    email = fields.Email(required=True)
    born = fields.Date()
    address = fields.Nested(AddressSchema)


SCHEMA = UserSchema()


def handler(event, context):
    try:
        user = SCHEMA.load(event["user"])
    except ValidationError as exc:
        return {"valid": False, "errors": sorted(exc.messages)}
    return {"valid": True, "user": SCHEMA.dump(user), "born_year": user["born"].year}
