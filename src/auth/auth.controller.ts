import type { User } from '../users/user.entity';
import { CurrentUser, currentUser } from './current-user.decorator';
import { Body, Controller, Get, Inject, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppLogger } from '../common/app-logger';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Public, SignedIn } from './access.decorators';
import { AuthService, ClientInfo, safeRedirectPath } from './auth.service';
import { csrf } from './csrf';
import { DEVICE_COOKIE, DEVICE_TOKEN_MAX_AGE_MS, readCookie } from './device-cookie';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';

const regenerate = (req: Request) => new Promise<void>((ok, fail) => req.session.regenerate((err) => (err ? fail(err) : ok())));
const destroy = (req: Request) => new Promise<void>((ok, fail) => req.session.destroy((err) => (err ? fail(err) : ok())));
const clientOf = (req: Request): ClientInfo => ({ address: req.ip ?? 'unknown', deviceCookie: readCookie(req.headers.cookie, DEVICE_COOKIE) });

@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly logger: AppLogger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('login')
  @Public()
  loginPage(@Req() req: Request, @Res() res: Response, @Query('next') next?: string) {
    if (req.user) return res.redirect(303, safeRedirectPath(next));
    res.render('auth/login', {
      title: 'ログイン',
      loggedOut: req.query.loggedOut === '1',
      values: { next: typeof next === 'string' ? next : '' },
    });
  }

  @Post('login')
  @Public()
  @FormPage('auth/login')
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res() res: Response) {
    const { user, deviceCookie } = await this.auth.authenticate(dto.login, dto.password, clientOf(req));
    // Kept through logout: it is what lets this browser sign in while others at its address are throttled.
    res.cookie(DEVICE_COOKIE, deviceCookie, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.secureCookies,
      path: '/',
      maxAge: DEVICE_TOKEN_MAX_AGE_MS,
    });
    // A fresh session id at login, so an id planted before login is worthless afterwards.
    await regenerate(req);
    req.session.userId = user.id;
    req.session.loginAt = Date.now();
    req.session.verifiedAt = Date.now();
    // The token is made now rather than by the first page: pages opened at once in several tabs
    // would otherwise each store their own and all but the last would be refused on submit.
    csrf.generateToken(req, true);
    flash(req, 'success', `${user.name}さん、ようこそ。`);
    res.redirect(303, user.mustChangePassword ? '/account/password' : safeRedirectPath(dto.next));
  }

  @Post('logout')
  @SignedIn()
  async logout(@Req() req: Request, @Res() res: Response) {
    this.logger.event('info', 'logout', { userId: req.user?.id, login: req.user?.login });
    await destroy(req);
    res.clearCookie('tane.sid');
    res.redirect(303, '/login?loggedOut=1');
  }

  @Get('account/password')
  @SignedIn()
  @Render('account/password')
  passwordPage(@Req() req: Request) {
    return { title: 'パスワードの変更', mustChange: currentUser(req).mustChangePassword };
  }

  @Post('account/password')
  @SignedIn()
  @FormPage('account/password', (c: AuthController, req) => c.passwordPage(req))
  async changePassword(@Body() dto: ChangePasswordDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const revokedAt = await this.auth.changePassword(user, dto, req.sessionID, clientOf(req));
    // this session survives the revocation that ends the user's other sessions
    req.session.verifiedAt = revokedAt.getTime();
    flash(req, 'success', 'パスワードを変更しました。ほかの端末でのログインは終了しました。');
    res.redirect(303, '/');
  }
}
