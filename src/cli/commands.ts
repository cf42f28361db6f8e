import { INestApplicationContext } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource } from 'typeorm';
import { isCalendarDate, toFormValidationException } from '../common/forms';
import { formatDateLabel, jstDateString } from '../common/jst';
import { DemoSeedService } from '../database/demo-seed.service';
import { DigestDateError, DigestService } from '../notifications/digest.service';
import { MailSenderService } from '../notifications/mail-sender.service';
import { RemindersService } from '../notifications/reminders.service';
import { DivisionKind } from '../organization/division.entity';
import { CreateDivisionDto } from '../organization/dto/division.dto';
import { OrganizationService } from '../organization/organization.service';
import { CreateUserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { ledgerCommands } from './ledger-commands';
import { maintenanceCommands } from './maintenance-commands';
import { scaleCommands } from './scale-commands';
import { reportCommands } from './report-commands';
import { allowOnly, CliUsageError, optionalOption, ParsedArgs, requireOption } from './args';

export interface CliIo {
  out: (line: string) => void;
  readStdin: () => Promise<string>;
}

export interface Command {
  usage: string;
  flags?: string[];
  /** Commands that only migrate must not insist on an up-to-date schema first. */
  needsMigratedDatabase?: boolean;
  run: (app: INestApplicationContext, args: ParsedArgs, io: CliIo) => Promise<void>;
}

/** Runs the same validation as the web forms, so the command line cannot create what a form would refuse. */
async function validated<T extends object>(type: new () => T, plain: Record<string, unknown>): Promise<T> {
  const dto = plainToInstance(type, plain);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw toFormValidationException(errors);
  return dto;
}

const NEXT_KIND: Record<DivisionKind, DivisionKind> = { bureau: 'department', department: 'section', section: 'section' };

export const commands: Record<string, Command> = {
  ...ledgerCommands,
  ...reportCommands,
  ...scaleCommands,
  ...maintenanceCommands,
  migrate: {
    usage: 'migrate',
    needsMigratedDatabase: false,
    async run(app, args, io) {
      allowOnly(args, []);
      const applied = await app.get(DataSource).runMigrations({ transaction: 'each' });
      io.out(applied.length ? `適用したマイグレーション: ${applied.map((m) => m.name).join(', ')}` : 'データベースは最新です。');
    },
  },

  'seed-demo': {
    usage: 'seed-demo',
    async run(app, args, io) {
      allowOnly(args, []);
      const created = await app.get(DemoSeedService).seed();
      io.out(`デモデータを作成しました（組織 ${created.divisions} 件、ユーザー ${created.users} 件）。`);
    },
  },

  'create-division': {
    usage: 'create-division --code <コード> --name <名称> [--parent <上位コード>] [--kind bureau|department|section] [--valid-from YYYY-MM-DD]',
    async run(app, args, io) {
      allowOnly(args, ['code', 'name', 'parent', 'kind', 'valid-from']);
      const organization = app.get(OrganizationService);
      const parentCode = optionalOption(args, 'parent');
      const parent = parentCode ? await organization.findCurrentDivisionByCode(parentCode) : null;
      if (parentCode && !parent) throw new CliUsageError(`上位組織のコード「${parentCode}」が見つかりません`);
      const dto = await validated(CreateDivisionDto, {
        code: requireOption(args, 'code'),
        name: requireOption(args, 'name'),
        kind: optionalOption(args, 'kind') ?? (parent ? NEXT_KIND[parent.kind] : 'bureau'),
        parentId: parent?.id ?? null,
        validFrom: optionalOption(args, 'valid-from') ?? jstDateString(new Date()),
        validTo: null,
        sortOrder: null,
      });
      const division = await organization.createDivision(dto);
      io.out(`組織を登録しました: ${division.code} ${division.name}（id ${division.id}）`);
    },
  },

  'create-user': {
    usage: 'create-user --login <ID> --name <氏名> --roles <staff,reviewer,office,admin> [--division <コード>] [--email <メール>] --password-stdin',
    flags: ['password-stdin'],
    async run(app, args, io) {
      allowOnly(args, ['login', 'name', 'roles', 'division', 'email', 'password-stdin']);
      if (args.options['password-stdin'] !== true) {
        throw new CliUsageError('パスワードは --password-stdin で標準入力から渡してください（コマンド履歴に残さないため）');
      }
      const divisionCode = optionalOption(args, 'division');
      const division = divisionCode ? await app.get(OrganizationService).findCurrentDivisionByCode(divisionCode) : null;
      if (divisionCode && !division) throw new CliUsageError(`所属のコード「${divisionCode}」が見つかりません`);
      const dto = await validated(CreateUserDto, {
        login: requireOption(args, 'login'),
        name: requireOption(args, 'name'),
        roles: requireOption(args, 'roles')
          .split(',')
          .map((r) => r.trim()),
        divisionId: division?.id ?? null,
        email: optionalOption(args, 'email') ?? null,
      });
      const password = (await io.readStdin()).replace(/\r?\n$/, '');
      if (!password) throw new CliUsageError('標準入力からパスワードを渡してください');
      const user = await app.get(UsersService).createWithPassword(dto, password, false);
      io.out(`ユーザーを登録しました: ${user.login}（${user.name}、id ${user.id}）`);
    },
  },

  // 回答期限の間近・超過の通知. For cron where the server runs with SCHEDULER=false; running it as well as
  // the scheduler, or twice, creates nothing twice.
  'send-reminders': {
    usage: 'send-reminders',
    async run(app, args, io) {
      allowOnly(args, []);
      const { dueSoon, overdue } = await app.get(RemindersService).sendReminders(new Date());
      io.out(`期限間近 ${dueSoon} 件、期限超過 ${overdue} 件の通知を作成しました。`);
    },
  },

  // 1日1回のまとめメール: queues one mail per user for a day that has ended (default: yesterday, Japan
  // time). For cron where the server runs with SCHEDULER=false; running it twice queues nothing twice.
  'send-digest': {
    usage: 'send-digest [--date YYYY-MM-DD]',
    async run(app, args, io) {
      allowOnly(args, ['date']);
      const date = optionalOption(args, 'date');
      if (date !== undefined && !isCalendarDate(date)) throw new CliUsageError('--date は 2027-01-02 の形で指定してください');
      if (!app.get(MailSenderService).enabled) throw new CliUsageError('SMTP_URL が設定されていないため、まとめメールを作成できません');
      try {
        const { date: day, mails, notifications } = await app.get(DigestService).sendDigests(new Date(), date);
        io.out(
          `${formatDateLabel(day)}分のまとめメールを ${mails} 通（お知らせ ${notifications} 件）作成しました。送信は send-mail またはサーバーが行います。`,
        );
      } catch (error) {
        if (error instanceof DigestDateError) throw new CliUsageError(error.message);
        throw error;
      }
    },
  },

  // Delivers the mail outbox now; a failed message stays in the outbox and is tried again later.
  'send-mail': {
    usage: 'send-mail',
    async run(app, args, io) {
      allowOnly(args, []);
      const sender = app.get(MailSenderService);
      if (!sender.enabled) throw new CliUsageError('SMTP_URL が設定されていないため、メールを送信できません');
      const { sent, failed } = await sender.deliverPending(new Date());
      io.out(`送信 ${sent} 件、失敗 ${failed} 件${failed ? '（失敗したメールは後で再送します）' : ''}。`);
    },
  },
};
