// Errors mirror TensorFlow's status codes (tensorflow/core/protobuf/error_codes.proto), one class per code,
// so `catch (e) { if (e instanceof tf.errors.NotFoundError) ... }` reads as it does in TF1.

export class KilnError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export class CancelledError extends KilnError { constructor(m: string) { super(1, m); } }
export class UnknownError extends KilnError { constructor(m: string) { super(2, m); } }
export class InvalidArgumentError extends KilnError { constructor(m: string) { super(3, m); } }
export class NotFoundError extends KilnError { constructor(m: string) { super(5, m); } }
export class AlreadyExistsError extends KilnError { constructor(m: string) { super(6, m); } }
export class ResourceExhaustedError extends KilnError { constructor(m: string) { super(8, m); } }
export class FailedPreconditionError extends KilnError { constructor(m: string) { super(9, m); } }
export class OutOfRangeError extends KilnError { constructor(m: string) { super(11, m); } }
export class UnimplementedError extends KilnError { constructor(m: string) { super(12, m); } }
export class InternalError extends KilnError { constructor(m: string) { super(13, m); } }

export const OK = 0;
