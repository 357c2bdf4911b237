/**
 * @packageDocumentation
 * Murmur onion requests: path selection and health, request building and response decoding (client side), layer peeling (node side).
 */
export {};
