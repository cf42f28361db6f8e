import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Division, DivisionKind } from '../organization/division.entity';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { Role } from '../users/roles';

/** The password of every demo account. For trying the system out only; README says so. */
export const DEMO_PASSWORD = 'tane-demo-2026';

/** [code, name, kind, parent code] in creation order. */
const DEMO_DIVISIONS: [string, string, DivisionKind, string | null][] = [
  ['100', '総務局', 'bureau', null],
  ['110', '総務部', 'department', '100'],
  ['111', '総務課', 'section', '110'],
  ['112', '人事課', 'section', '110'],
  ['120', '行政改革部', 'department', '100'],
  ['121', '改革推進課', 'section', '120'],
  ['122', '情報政策課', 'section', '120'],
  ['200', '市民局', 'bureau', null],
  ['210', '市民生活部', 'department', '200'],
  ['211', '市民課', 'section', '210'],
  ['212', '区政推進課', 'section', '210'],
  ['300', '財政局', 'bureau', null],
  ['310', '財政部', 'department', '300'],
  ['311', '財政課', 'section', '310'],
  ['312', '契約課', 'section', '310'],
  ['400', '中央区', 'bureau', null],
  ['410', '区民部', 'department', '400'],
  ['411', '区民課', 'section', '410'],
  ['412', '保険年金課', 'section', '410'],
];

/** One account per role: [login, name, roles, division code]. */
export const DEMO_USERS: [string, string, Role[], string][] = [
  ['demo-staff', '山田 花子', ['staff'], '411'],
  ['demo-reviewer', '佐藤 健', ['staff', 'reviewer'], '211'],
  ['demo-office', '鈴木 一郎', ['staff', 'office'], '121'],
  ['demo-admin', '高橋 真理', ['staff', 'admin'], '122'],
  // 審査委員会: the deputy mayor's office and two 局長 (a judge does not score their own 局's proposals)
  ['demo-judge', '中村 誠', ['judge'], '100'],
  ['demo-judge2', '小林 直子', ['judge'], '300'],
  ['demo-judge3', '加藤 修', ['judge'], '200'],
  // 区民課長: confirms the カイゼン reports of demo-staff's 課
  ['demo-head', '伊藤 和子', ['staff', 'head'], '411'],
];

/**
 * A small demo organization and one account per role, so a new installation can be tried at once.
 * Adds only what is missing, so running it twice changes nothing.
 */
@Injectable()
export class DemoSeedService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
  ) {}

  async isEmpty(): Promise<boolean> {
    return (await this.users.count()) === 0;
  }

  async seed(): Promise<{ divisions: number; users: number }> {
    const divisions = this.dataSource.getRepository(Division);
    const byCode = new Map<string, Division>();
    let createdDivisions = 0;
    for (const [code, name, kind, parentCode] of DEMO_DIVISIONS) {
      let division = await divisions.findOne({ where: { code } });
      if (!division) {
        division = await divisions.save(
          divisions.create({
            code,
            name,
            kind,
            parentId: parentCode ? byCode.get(parentCode)!.id : null,
            validFrom: '2000-04-01',
            validTo: null,
            sortOrder: Number(code),
          }),
        );
        createdDivisions++;
      }
      byCode.set(code, division);
    }

    let createdUsers = 0;
    for (const [login, name, roles, divisionCode] of DEMO_USERS) {
      if (await this.dataSource.getRepository(User).exist({ where: { login } })) continue;
      await this.users.createWithPassword({ login, name, roles, email: null, divisionId: byCode.get(divisionCode)!.id }, DEMO_PASSWORD, false);
      createdUsers++;
    }
    return { divisions: createdDivisions, users: createdUsers };
  }
}
