import type { Request } from 'express';
import { ArgumentMetadata, SetMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

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

/**
 * For a rule declared without a message of its own (mostly @IsString(), broken by a field sent twice):
 * class-validator's default would be English ("title must be a string").
 */
export const GENERIC_FIELD_MESSAGE = '入力の形式が正しくありません。画面を開き直してから入力し直してください。';

function collect(errors: ValidationError[], into: FieldErrors, unknown: string[], prefix = ''): void {
  for (const error of errors) {
    const field = prefix + error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      if (constraint === 'whitelistValidation') unknown.push(field);
      else if (!(into[field] ??= []).includes(message || GENERIC_FIELD_MESSAGE)) into[field].push(message || GENERIC_FIELD_MESSAGE);
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

/**
 * Control characters nobody types: C0 except tab, line feed and carriage return. PostgreSQL refuses
 * NUL in text outright (a 500 before this check), and the others only do harm later (CSV, mail, display).
 */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
export const CONTROL_CHARACTER_MESSAGE = '入力できない制御文字が含まれています。文字を入力し直してください。';

export const QUERY_CONTROL_CHARACTER_MESSAGE = '検索条件などのアドレスに入力できない制御文字が含まれています。入力し直してください。';

/** Whether a value, or one of its values at any depth (x[y]=… arrives as an object), holds a control character. */
const holdsControlCharacter = (value: unknown, depth = 0): boolean =>
  typeof value === 'string'
    ? CONTROL_CHARACTERS.test(value)
    : value !== null && typeof value === 'object' && depth < 8
      ? Object.values(value).some((v: unknown) => holdsControlCharacter(v, depth + 1))
      : false;

/** The form fields (by name) whose value, or one of whose values, contains a control character. */
export function fieldsWithControlCharacters(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  return Object.entries(body).flatMap(([field, value]) => (holdsControlCharacter(value) ? [field] : []));
}

/**
 * The global pipe: a form body with control characters is refused, field by field, before the DTO sees
 * it; so is a query string, whether the handler takes it whole (a DTO or a record) or one key at a time
 * (@Query('q')): nothing read from the address reaches a service or the database with a NUL in it.
 */
class FormValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      const fields = fieldsWithControlCharacters(value);
      if (fields.length) throw new FormValidationException(Object.fromEntries(fields.map((field) => [field, [CONTROL_CHARACTER_MESSAGE]])));
    }
    if (metadata.type === 'query' && holdsControlCharacter(value)) {
      // not a form of the page: a plain 400 page with the message
      throw new FormValidationException({ _query: [QUERY_CONTROL_CHARACTER_MESSAGE] }, 400);
    }
    return super.transform(value, metadata);
  }
}

/** The one ValidationPipe, registered as APP_PIPE so tests get the same behaviour. */
export const createValidationPipe = (): ValidationPipe =>
  new FormValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Rules without a message get "" instead of an English one; collect() puts a Japanese one in.
    dismissDefaultMessages: true,
    exceptionFactory: toFormValidationException,
  });

export const FORM_PAGE = 'tane:form-page';

/**
 * What a form page needs besides the user's input (the options of a select box, the proposal shown
 * around an action form), loaded from the controller that handled the post. A typed function, not a
 * method name: a renamed or removed loader is a compile error, not a 500 on the first refused form.
 */
export type PageLoader<C> = (controller: C, req: Request) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface FormPageMeta {
  /** The view to render again when the input is refused. */
  view: string;
  load?: PageLoader<never>;
}

/** Marks a POST handler whose refused input goes back to `view` with messages and the typed values. */
export const FormPage = <C>(view: string, load?: PageLoader<C>): MethodDecorator =>
  SetMetadata(FORM_PAGE, { view, load: load as PageLoader<never> | undefined } satisfies FormPageMeta);

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
export const Checkbox = (): PropertyDecorator => Transform(({ value }) => value === true || value === 'on' || value === 'true' || value === '1');

/**
 * The required checkbox of an irreversible action (取下げ, 不受理, 差戻し, 採否の決定, …). The form is first
 * shown unticked, so posting it as first rendered does nothing but show `message` beside the box; it
 * works without JavaScript, unlike a confirm() dialog.
 */
export const Confirmed = (message: string): PropertyDecorator => {
  const checkbox = Checkbox();
  const mustBeTicked = ValidateBy({ name: 'confirmed', validator: { validate: (value: unknown) => value === true } }, { message });
  return (target, property) => {
    checkbox(target, property);
    mustBeTicked(target, property);
  };
};

/** A group of checkboxes or a multi-select: one value arrives as a string, several as an array. */
export const ToArray = (): PropertyDecorator =>
  Transform(({ value }) => (value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value]));

/** Several ids from a multi-select: ["3", "5"] or "3" → [3, 5]; non-numbers stay for the validator to refuse. */
export const ToIntArray = (): PropertyDecorator =>
  Transform(({ value }) => {
    const values = value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value];
    return values.filter((v) => v !== '').map((v) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v));
  });

/** The largest value of the database's integer columns (PostgreSQL `integer`). */
export const INT_MAX = 2_147_483_647;

/**
 * "12" → 12, "" → null; anything else stays as typed so the validator can say what is wrong. A number
 * beyond the integer columns (ids, versions, sort orders) stays text too: PostgreSQL would refuse it
 * with an error, not a message.
 */
export const ToOptionalInt = (): PropertyDecorator =>
  Transform(({ value }) => {
    const v = trimmed(value);
    if (v === '' || v === undefined || v === null) return null;
    return typeof v === 'string' && /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= INT_MAX ? Number(v) : v;
  });

/** "2025-05-31", and a day that exists: the regular expression alone lets "2025-02-30" through to the database. */
export function isCalendarDate(value: unknown): boolean {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * At most `max` characters as the database counts them (code points). class-validator's MaxLength
 * counts a character with a variation selector ("❤️") as one, so 100 of them passed as 100 and were
 * 200 to PostgreSQL's varchar(100): an error instead of a message. For text kept in varchar columns.
 */
export const MaxChars = (max: number, options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'maxChars',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && [...value].length <= max,
        defaultMessage: () => `${max}文字以内で入力してください。`,
      },
    },
    options,
  );

/**
 * Line breaks of any kind: CR, LF, NEL and the Unicode line and paragraph separators. A text box never
 * sends them, but a hand-made post could, and a title or a name is copied into e-mails and CSV lines,
 * where a break would start a line of the sender's choosing.
 */
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;
export const SINGLE_LINE_MESSAGE = '改行は入力できません。1行で入力してください。';

/** A single-line field (件名, 氏名, 名称 …): refused with a message when it holds a line break. */
export const SingleLine = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'singleLine',
      validator: { validate: (value: unknown) => typeof value !== 'string' || !LINE_BREAK.test(value) },
    },
    // the pipe dismisses default messages, so the message is given here
    { message: SINGLE_LINE_MESSAGE, ...options },
  );

export const IsCalendarDate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy({ name: 'isCalendarDate', validator: { validate: isCalendarDate, defaultMessage: () => '日付を 2025-05-31 の形で入力してください。' } }, options);

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

/** On a form saved as a draft or submitted (`intent`: 下書き保存 or 提出): whether the submitting button was pressed. */
const submitting = (args: ValidationArguments | undefined): boolean => (args?.object as { intent?: unknown } | undefined)?.intent === 'submit';

/** A field that may be empty in a draft but not when the form is submitted (the proposal form, the カイゼン report form). */
export const RequiredToSubmit = (message: string): PropertyDecorator =>
  ValidateBy(
    { name: 'requiredToSubmit', validator: { validate: (value, args) => !submitting(args) || (value !== null && value !== undefined && value !== '') } },
    { message },
  );

/** The 提案分野 of such a form: may be missing in a draft; when given, a whole number (the service checks it exists). */
export const CategoryToSubmit = (): PropertyDecorator =>
  ValidateBy(
    { name: 'category', validator: { validate: (value, args) => (value === null || value === undefined ? !submitting(args) : Number.isInteger(value)) } },
    { message: (args) => (args.value === null || args.value === undefined ? '提案分野を選んでください。' : '提案分野を選び直してください。') },
  );
