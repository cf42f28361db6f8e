import 'reflect-metadata';
import { ArgumentMetadata, ValidationError } from '@nestjs/common';
import { plainToInstance, Type } from 'class-transformer';
import { ArrayMinSize, IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength, Min, MinLength, ValidateIf, ValidateNested, validate } from 'class-validator';
import {
  Checkbox,
  createValidationPipe,
  EmptyToNull,
  FormValidationException,
  CONTROL_CHARACTER_MESSAGE,
  fieldsWithControlCharacters,
  GENERIC_FIELD_MESSAGE,
  IsCalendarDate,
  isCalendarDate,
  MaxChars,
  QUERY_CONTROL_CHARACTER_MESSAGE,
  SINGLE_LINE_MESSAGE,
  SingleLine,
  ToArray,
  ToOptionalInt,
  toFormValidationException,
  Trim,
} from '../../src/common/forms';

// The same options as the global pipe, so the ValidationErrors look exactly like in the app.
const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true } as const;

async function errorsFor<T extends object>(cls: new () => T, plain: object): Promise<ValidationError[]> {
  return validate(plainToInstance(cls, plain), VALIDATOR_OPTIONS);
}

class NameDto {
  @Trim()
  @MinLength(1, { message: '氏名を入力してください。' })
  @MaxLength(5, { message: '氏名は5文字以内で入力してください。' })
  name!: string;

  @ToOptionalInt()
  @ValidateIf((_, v) => v !== null)
  @IsInt({ message: '表示順は整数で入力してください。' })
  @Min(0, { message: '表示順は0以上で入力してください。' })
  sortOrder!: number | null;
}

class AddressDto {
  @Trim()
  @MinLength(1, { message: '市区町村を入力してください。' })
  city!: string;
}

class ItemDto {
  @IsString({ message: '品名は文字で入力してください。' })
  label!: string;
}

class PersonDto {
  @Trim()
  @MinLength(1, { message: '氏名を入力してください。' })
  name!: string;

  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;

  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];
}

describe('toFormValidationException', () => {
  it('returns an empty 422 for no errors', () => {
    const e = toFormValidationException([]);
    expect(e).toBeInstanceOf(FormValidationException);
    expect(e.status).toBe(422);
    expect(e.fieldErrors).toEqual({});
    expect(e.summary).toEqual([]);
  });

  it('keys ordinary constraint messages by field, with status 422', async () => {
    const e = toFormValidationException(await errorsFor(NameDto, { name: '  ', sortOrder: '-1' }));
    expect(e.status).toBe(422);
    expect(e.fieldErrors).toEqual({
      name: ['氏名を入力してください。'],
      sortOrder: ['表示順は0以上で入力してください。'],
    });
    expect(e.message).toBe('入力内容に誤りがあります。');
    expect(e.summary).toEqual(['氏名を入力してください。', '表示順は0以上で入力してください。']);
  });

  it('keeps every message of a field that breaks several rules', async () => {
    const e = toFormValidationException(await errorsFor(NameDto, { name: 'ok', sortOrder: '1.5' }));
    expect(e.status).toBe(422);
    expect(e.fieldErrors.sortOrder).toEqual(expect.arrayContaining(['表示順は整数で入力してください。']));
    expect(e.fieldErrors.name).toBeUndefined();
  });

  it('refuses a field the form never had with 400 and a _form message naming it', async () => {
    const e = toFormValidationException(await errorsFor(NameDto, { name: '山田', sortOrder: '1', roles: 'admin' }));
    expect(e.status).toBe(400);
    expect(e.fieldErrors._form).toEqual(['このフォームにない項目が送信されました（roles）。']);
    expect(e.fieldErrors.roles).toBeUndefined();
  });

  it('names every unknown field in one message', async () => {
    const e = toFormValidationException(await errorsFor(NameDto, { name: '山田', sortOrder: '1', roles: 'admin', isAdmin: 'on' }));
    expect(e.status).toBe(400);
    expect(e.fieldErrors._form).toHaveLength(1);
    expect(e.fieldErrors._form[0]).toContain('roles');
    expect(e.fieldErrors._form[0]).toContain('isAdmin');
    expect(e.fieldErrors._form[0]).toContain('roles、isAdmin');
  });

  it('answers 400 when unknown fields come together with ordinary mistakes', async () => {
    const e = toFormValidationException(await errorsFor(NameDto, { name: '', sortOrder: '1', roles: 'admin' }));
    expect(e.status).toBe(400);
    expect(e.fieldErrors._form[0]).toContain('roles');
  });

  it('gives nested fields dotted names', async () => {
    const e = toFormValidationException(await errorsFor(PersonDto, { name: '', address: { city: '　' }, items: [{ label: 'a' }, { label: 3 }] }));
    expect(e.status).toBe(422);
    expect(e.fieldErrors).toEqual({
      name: ['氏名を入力してください。'],
      'address.city': ['市区町村を入力してください。'],
      'items.1.label': ['品名は文字で入力してください。'],
    });
  });

  it('names an unknown nested field with its dotted name', async () => {
    const e = toFormValidationException(await errorsFor(PersonDto, { name: 'a', address: { city: 'x', secret: 1 }, items: [] }));
    expect(e.status).toBe(400);
    expect(e.fieldErrors._form).toEqual(['このフォームにない項目が送信されました（address.secret）。']);
  });

  it('handles hand-made errors several levels deep', () => {
    const errors: ValidationError[] = [
      {
        property: 'a',
        children: [{ property: 'b', children: [{ property: 'c', constraints: { isInt: 'c は整数です' }, children: [] }] }],
      },
    ];
    expect(toFormValidationException(errors).fieldErrors).toEqual({ 'a.b.c': ['c は整数です'] });
  });
});

describe('FormValidationException', () => {
  it('field() makes a 422 with one message on one field', () => {
    const e = FormValidationException.field('login', '使われています');
    expect(e.status).toBe(422);
    expect(e.fieldErrors).toEqual({ login: ['使われています'] });
    expect(e.summary).toEqual(['使われています']);
    expect(e).toBeInstanceOf(Error);
  });
});

describe('createValidationPipe', () => {
  const body = (metatype: new () => object): ArgumentMetadata => ({ type: 'body', metatype });

  it('returns the transformed DTO for good input', async () => {
    const dto = await createValidationPipe().transform({ name: ' 山田 ', sortOrder: '3' }, body(NameDto));
    expect(dto).toBeInstanceOf(NameDto);
    expect(dto).toEqual({ name: '山田', sortOrder: 3 });
  });

  it('throws a 422 FormValidationException for a mistake', async () => {
    const attempt = createValidationPipe().transform({ name: '', sortOrder: '' }, body(NameDto));
    await expect(attempt).rejects.toBeInstanceOf(FormValidationException);
    await expect(attempt).rejects.toMatchObject({ status: 422, fieldErrors: { name: ['氏名を入力してください。'] } });
  });

  it('throws a 400 FormValidationException for an extra field', async () => {
    const attempt = createValidationPipe().transform({ name: 'a', sortOrder: '', roles: 'admin' }, body(NameDto));
    await expect(attempt).rejects.toMatchObject({ status: 400 });
  });
});

describe('EmptyToNull', () => {
  class Dto {
    @EmptyToNull()
    @IsOptional()
    @IsString()
    email!: string | null;
  }
  const email = (value: unknown) => plainToInstance(Dto, { email: value }).email;

  it.each([
    ['', null],
    ['   ', null],
    ['\u3000', null],
    [' \u3000\t\n', null],
    [' a@example.jp ', 'a@example.jp'],
    ['\u3000yamada@example.jp\u3000', 'yamada@example.jp'],
    ['a b', 'a b'],
  ])('%j → %j', (input, expected) => {
    expect(email(input)).toBe(expected);
  });

  it('turns an explicit undefined or null into null', () => {
    expect(email(undefined)).toBeNull();
    expect(email(null)).toBeNull();
  });

  it('leaves non-strings for the validator', async () => {
    expect(email(5)).toBe(5);
    expect(await validate(plainToInstance(Dto, { email: 5 }))).toHaveLength(1);
  });

  it('lets an empty optional field pass validation', async () => {
    expect(await validate(plainToInstance(Dto, { email: ' ' }), VALIDATOR_OPTIONS)).toEqual([]);
  });
});

describe('Trim', () => {
  class Dto {
    @Trim()
    @IsString()
    name!: string;
  }
  const name = (value: unknown) => plainToInstance(Dto, { name: value }).name;

  it.each([
    ['  山田 太郎  ', '山田 太郎'],
    ['\u3000山田\u3000太郎\u3000', '山田\u3000太郎'],
    ['\u3000\u3000', ''],
    ['\t\r\nabc\r\n', 'abc'],
    ['abc', 'abc'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(name(input)).toBe(expected);
  });

  it('leaves non-strings alone', () => {
    expect(name(['a '])).toEqual(['a ']);
    expect(name(7)).toBe(7);
    expect(name(null)).toBeNull();
  });

  it('makes a name of only full-width spaces fail a minimum-length rule', async () => {
    const errors = await errorsFor(NameDto, { name: '\u3000\u3000', sortOrder: '' });
    expect(errors.map((e) => e.property)).toEqual(['name']);
  });
});

describe('Checkbox', () => {
  class Dto {
    @Checkbox()
    @IsBoolean()
    active!: boolean;
  }
  const active = (plain: object) => plainToInstance(Dto, plain).active;

  it.each(['on', 'true', '1', true])('%j means ticked', (value) => {
    expect(active({ active: value })).toBe(true);
  });

  it.each(['off', 'false', '0', '', 'yes', 'ON', false, null, ['on', 'on']])('%j means not ticked', (value) => {
    expect(active({ active: value })).toBe(false);
  });

  it('an explicit undefined (key present) means false', () => {
    expect(active({ active: undefined })).toBe(false);
  });

  it('an absent field is never read as ticked', () => {
    // class-transformer runs a @Transform only for keys that are present, so an unticked box (the
    // browser sends nothing) stays undefined here; services compare with `=== true`.
    expect(active({})).not.toBe(true);
  });

  describe('declared as in CategoryDto (@Checkbox @IsOptional @IsBoolean) under the global pipe', () => {
    class CheckboxDto {
      @Trim()
      @MinLength(1)
      name!: string;

      @Checkbox()
      @IsOptional()
      @IsBoolean()
      active!: boolean;
    }
    const meta: ArgumentMetadata = { type: 'body', metatype: CheckboxDto };

    it('is true when ticked', async () => {
      await expect(createValidationPipe().transform({ name: '庶務事務', active: 'on' }, meta)).resolves.toEqual({
        name: '庶務事務',
        active: true,
      });
    });

    it('is accepted and not true when unticked (absent)', async () => {
      const dto = await createValidationPipe().transform({ name: '庶務事務' }, meta);
      expect(dto.name).toBe('庶務事務');
      expect(dto.active === true).toBe(false);
    });

    it('is false for any other value rather than an error', async () => {
      await expect(createValidationPipe().transform({ name: '庶務事務', active: 'off' }, meta)).resolves.toMatchObject({ active: false });
    });
  });
});

describe('ToArray', () => {
  class Dto {
    @ToArray()
    @ArrayMinSize(1, { message: '役割を1つ以上選んでください。' })
    @IsIn(['staff', 'reviewer', 'office', 'admin'], { each: true, message: '役割を選び直してください。' })
    roles!: string[];
  }
  const roles = (value: unknown) => plainToInstance(Dto, { roles: value }).roles;

  it('wraps one value in an array', () => {
    expect(roles('staff')).toEqual(['staff']);
  });

  it('keeps an array as it is', () => {
    expect(roles(['staff', 'admin'])).toEqual(['staff', 'admin']);
  });

  it.each(['', null, undefined])('turns %j into an empty array', (value) => {
    expect(roles(value)).toEqual([]);
  });

  it('lets the validator say that nothing was chosen', async () => {
    const e = toFormValidationException(await errorsFor(Dto, { roles: '' }));
    expect(e.fieldErrors).toEqual({ roles: ['役割を1つ以上選んでください。'] });
  });

  it('lets the validator refuse a value that is not offered', async () => {
    const e = toFormValidationException(await errorsFor(Dto, { roles: ['staff', 'root'] }));
    expect(e.fieldErrors).toEqual({ roles: ['役割を選び直してください。'] });
  });

  it('accepts a single good value', async () => {
    expect(await errorsFor(Dto, { roles: 'office' })).toEqual([]);
  });
});

describe('ToOptionalInt', () => {
  class Dto {
    @ToOptionalInt()
    @IsOptional()
    @IsInt({ message: '整数で入力してください。' })
    n!: number | null;
  }
  const n = (value: unknown) => plainToInstance(Dto, { n: value }).n;

  it.each([
    ['12', 12],
    [' 12 ', 12],
    ['\u300012\u3000', 12],
    ['0', 0],
    ['-3', -3],
    ['007', 7],
  ])('%j → %j', (input, expected) => {
    expect(n(input)).toBe(expected);
  });

  it.each(['', '  ', '\u3000', null, undefined])('%j → null', (input) => {
    expect(n(input)).toBeNull();
  });

  it.each(['1.5', 'abc', '１２', '1e3', '12a', '+5', '--1'])('leaves %j as typed (trimmed) for the validator', (input) => {
    expect(n(input)).toBe(input);
  });

  it('leaves a number as it is', () => {
    expect(n(42)).toBe(42);
  });

  it('lets the validator say what is wrong with a non-integer', async () => {
    const e = toFormValidationException(await errorsFor(Dto, { n: '1.5' }));
    expect(e.status).toBe(422);
    expect(e.fieldErrors).toEqual({ n: ['整数で入力してください。'] });
  });

  it('lets an empty optional number pass', async () => {
    expect(await errorsFor(Dto, { n: '' })).toEqual([]);
  });
});

// Found by the fuzz tests: PostgreSQL answered "value out of range for type integer" with a 500.
describe('ToOptionalInt beyond the integer columns', () => {
  class Dto {
    @ToOptionalInt()
    @IsOptional()
    @IsInt({ message: '整数で入力してください。' })
    n!: number | null;
  }

  it('converts up to the largest integer column value', () => {
    expect(plainToInstance(Dto, { n: '2147483647' }).n).toBe(2147483647);
    expect(plainToInstance(Dto, { n: '-2147483647' }).n).toBe(-2147483647);
  });

  it.each(['2147483648', '-2147483649', '99999999999', '1' + '0'.repeat(400)])('leaves %s as text, which the validator refuses', async (typed) => {
    expect(plainToInstance(Dto, { n: typed }).n).toBe(typed);
    expect(await errorsFor(Dto, { n: typed })).toHaveLength(1);
  });
});

// Found by the fuzz tests: "2025-02-30" matched the old pattern and reached PostgreSQL's date column (500).
describe('IsCalendarDate', () => {
  class Dto {
    @IsCalendarDate({ message: '日付が正しくありません。' })
    on!: string;
  }

  it.each(['2025-05-31', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts %s', async (on) => {
    expect(isCalendarDate(on)).toBe(true);
    expect(await errorsFor(Dto, { on })).toHaveLength(0);
  });

  it.each([
    '2025-02-30',
    '2025-02-29',
    '1900-02-29',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '0000-01-01',
    '2025-1-1',
    '２０２５-０１-０１',
    '2025-01-01T00:00',
    '',
  ])('refuses %j', (on) => {
    expect(isCalendarDate(on)).toBe(false);
  });

  it('refuses what is not text, with the given message', async () => {
    expect(isCalendarDate(20250101)).toBe(false);
    expect(await errorsFor(Dto, { on: '2025-02-30' })).toMatchObject([{ constraints: { isCalendarDate: '日付が正しくありません。' } }]);
  });
});

// Found by the fuzz tests: MaxLength counts "❤️" (with VARIATION SELECTOR-16) as one character;
// PostgreSQL's varchar counts two, and 100 of them in a varchar(100) column was a 500.
describe('MaxChars', () => {
  class Dto {
    @MaxChars(5, { message: '5文字まで' })
    name!: string;
  }

  it('counts code points, as the database does', async () => {
    expect(await errorsFor(Dto, { name: '𠮷野家ですね' })).toHaveLength(1);
    expect(await errorsFor(Dto, { name: '𠮷野家です' })).toHaveLength(0);
    expect(await errorsFor(Dto, { name: 'a\ufe0f'.repeat(3) })).toHaveLength(1);
    expect(await errorsFor(Dto, { name: 'a\ufe0fa\ufe0f' })).toHaveLength(0);
  });

  it('refuses what is not text', async () => {
    expect(await errorsFor(Dto, { name: ['a'] })).toHaveLength(1);
  });
});

// Found by the fuzz tests: PostgreSQL refuses NUL in text ("invalid byte sequence for encoding UTF8: 0x00").
describe('control characters in a form body', () => {
  const body = (metatype: new () => object): ArgumentMetadata => ({ type: 'body', metatype });

  it('names the fields that carry one, in single and repeated values; tab, line breaks and DEL are not counted', () => {
    expect(fieldsWithControlCharacters({ a: 'ok', b: 'x\u0000', c: ['ok', 'y\u001b'], d: '改行\r\nタブ\tは文字', e: 'DEL\u007f' })).toEqual(['b', 'c']);
    expect(fieldsWithControlCharacters(undefined)).toEqual([]);
  });

  it('is refused by the pipe with a message beside each such field', async () => {
    const attempt = createValidationPipe().transform({ name: '山田\u0000', sortOrder: '3' }, body(NameDto));
    await expect(attempt).rejects.toMatchObject({ status: 422, fieldErrors: { name: [CONTROL_CHARACTER_MESSAGE] } });
  });

  it('leaves route parameters to their own checks', async () => {
    await expect(createValidationPipe().transform('a\u0000', { type: 'param', data: 'id' })).resolves.toBe('a\u0000');
  });

  it('names a field whose value is an object (x[y]=…) holding one', () => {
    expect(fieldsWithControlCharacters({ x: { y: 'a\u0000' }, z: { y: 'ok' } })).toEqual(['x']);
  });
});

// Issue 10: /proposals?q=ab%00 was a 500 (SQLite's trigram index, PostgreSQL's text): one rule for every query string.
describe('control characters in a query string', () => {
  const pipe = createValidationPipe();

  it.each([
    ['one key (@Query("q"))', 'a\u0000', { type: 'query', data: 'q' }],
    ['the whole query (@Query())', { q: 'a\u0001', page: '1' }, { type: 'query' }],
    ['a repeated key', { q: ['ok', 'b\u001f'] }, { type: 'query' }],
    ['a nested key (q[x]=…)', { q: { x: '\u0000' } }, { type: 'query' }],
  ] as [string, unknown, ArgumentMetadata][])('refuses %s with 400 and a Japanese message', async (_, value, metadata) => {
    await expect(pipe.transform(value, metadata)).rejects.toMatchObject({ status: 400, summary: [QUERY_CONTROL_CHARACTER_MESSAGE] });
  });

  it('lets tabs, line breaks, DEL and ordinary text through', async () => {
    await expect(pipe.transform('窓口\t待ち\n時間\u007f', { type: 'query', data: 'q' })).resolves.toBe('窓口\t待ち\n時間\u007f');
    await expect(pipe.transform(undefined, { type: 'query', data: 'q' })).resolves.toBeUndefined();
  });
});

describe('SingleLine', () => {
  class TitleDto {
    @SingleLine()
    title!: string;
  }

  it.each(['件名\r\n偽の行', '件名\n', '\r件名', '件名\u0085偽', '件名\u2028偽', '件名\u2029偽'])('refuses %j', async (title) => {
    const errors = await errorsFor(TitleDto, { title });
    expect(errors).toHaveLength(1);
    expect(Object.values(errors[0].constraints ?? {})).toEqual([SINGLE_LINE_MESSAGE]);
  });

  it('accepts one line, tabs and full-width spaces included, and leaves non-text to the other rules', async () => {
    expect(await errorsFor(TitleDto, { title: '窓口の\t待ち時間　短縮' })).toHaveLength(0);
    expect(await errorsFor(TitleDto, { title: 3 })).toHaveLength(0);
  });
});

// Found by the fuzz tests: a field sent twice broke an @IsString() that has no message of its own, and
// the page showed class-validator's English default ("title must be a string").
describe('a rule without a message of its own', () => {
  class Dto {
    @IsString()
    title!: string;
  }

  it('is reported in Japanese, once per field', async () => {
    const attempt = createValidationPipe().transform({ title: ['a', 'b'] }, { type: 'body', metatype: Dto });
    await expect(attempt).rejects.toMatchObject({ status: 422, fieldErrors: { title: [GENERIC_FIELD_MESSAGE] } });
  });
});
