import { SetMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';

/** field name → messages to show beside it. */
export type FieldErrors = Record<string, string[]>;

/**
 * Thrown by the global ValidationPipe and by services when form input is not acceptable. The error-page
 * filter renders the page named by @FormPage again with the messages and everything the user typed.
 */
export class FormValidationException extends Error {
  constructor(
    readonly fieldErrors: FieldErrors,
    readonly status = 422,
  ) {
    super('入力内容に誤りがあります。');
  }

  static field(field: string, message: string): FormValidationException {
    return new FormValidationException({ [field]: [message] });
  }

  get summary(): string[] {
    return Object.values(this.fieldErrors).flat();
  }
}

function collect(errors: ValidationError[], into: FieldErrors, unknown: string[], prefix = ''): void {
  for (const error of errors) {
    const field = prefix + error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      if (constraint === 'whitelistValidation') unknown.push(field);
      else (into[field] ??= []).push(message);
    }
    if (error.children?.length) collect(error.children, into, unknown, `${field}.`);
  }
}

export function toFormValidationException(errors: ValidationError[]): FormValidationException {
  const fieldErrors: FieldErrors = {};
  const unknown: string[] = [];
  collect(errors, fieldErrors, unknown);
  if (unknown.length) {
    // A field the form never had (e.g. roles=admin on the password form) is tampering, not a typo:
    // refuse the whole request with 400 and name the fields.
    fieldErrors._form = [`このフォームにない項目が送信されました（${unknown.join('、')}）。`];
    return new FormValidationException(fieldErrors, 400);
  }
  return new FormValidationException(fieldErrors);
}

/** The one ValidationPipe, registered as APP_PIPE so tests get the same behaviour. */
export const createValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: toFormValidationException,
  });

export const FORM_PAGE = 'tane:form-page';
export interface FormPageMeta {
  /** The view to render again when the input is refused. */
  view: string;
  /** Name of a controller method (req) => extra view locals, e.g. the options of a select box. */
  context?: string;
}

/** Marks a POST handler whose refused input goes back to `view` with messages and the typed values. */
export const FormPage = (view: string, context?: string): MethodDecorator =>
  SetMetadata(FORM_PAGE, { view, context } satisfies FormPageMeta);

// --- HTML forms send strings; these turn them into what the DTO means, in one place. ---

const trimmed = (value: unknown): unknown => (typeof value === 'string' ? value.trim() : value);

/** "" (an empty text box) becomes null; other strings are trimmed. */
export const EmptyToNull = (): PropertyDecorator =>
  Transform(({ value }) => {
    const v = trimmed(value);
    return v === '' || v === undefined ? null : v;
  });

/** Trims surrounding spaces (full-width ones too, which Japanese IMEs often leave). */
export const Trim = (): PropertyDecorator => Transform(({ value }) => trimmed(value));

/**
 * A checkbox: "on", "true" or "1" means true. An unticked box sends nothing at all, and class-transformer
 * does not run for absent fields, so the DTO property stays undefined: services read it as `=== true`.
 */
export const Checkbox = (): PropertyDecorator =>
  Transform(({ value }) => value === true || value === 'on' || value === 'true' || value === '1');

/** A group of checkboxes or a multi-select: one value arrives as a string, several as an array. */
export const ToArray = (): PropertyDecorator =>
  Transform(({ value }) => (value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value]));

/** Several ids from a multi-select: ["3", "5"] or "3" → [3, 5]; non-numbers stay for the validator to refuse. */
export const ToIntArray = (): PropertyDecorator =>
  Transform(({ value }) => {
    const values = value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value];
    return values.filter((v) => v !== '').map((v) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v));
  });

/** "12" → 12, "" → null; anything else stays as typed so the validator can say what is wrong. */
export const ToOptionalInt = (): PropertyDecorator =>
  Transform(({ value }) => {
    const v = trimmed(value);
    if (v === '' || v === undefined || v === null) return null;
    return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  });

/**
 * An optional whole number typed by a person: full-width digits and thousands separators are accepted
 * ("１,２００" → 1200); "" → null; anything else stays as typed so the validator can say what is wrong.
 */
export const ToOptionalWholeNumber = (): PropertyDecorator =>
  Transform(({ value }) => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return value;
    const v = value.normalize('NFKC').replace(/[,\s]/g, '');
    if (v === '') return null;
    return /^\d{1,15}$/.test(v) ? Number(v) : value;
  });
