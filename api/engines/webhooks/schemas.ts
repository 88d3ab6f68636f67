/** Response schemas of webhook delivery status. */
import { Type } from '@sinclair/typebox';

export const DeliveryParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const Delivery = Type.Object({
  id: Type.String(),
  url: Type.String(),
  event: Type.String(),
  status: Type.String({ enum: ['pending', 'delivered', 'failed'] }),
  attempts: Type.Array(Type.Object({ at: Type.String(), statusCode: Type.Optional(Type.Integer()), error: Type.Optional(Type.String()) })),
  createdAt: Type.String(),
});

export const SigningSecret = Type.Object({
  secret: Type.String({ description: 'HMAC-SHA256 key: signature = hex(HMAC(secret, `${timestamp}.${body}`))' }),
});
