import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersStoreModule } from '../users/users.repository';
import { AdminCategoriesController } from './admin-categories.controller';
import { AdminDivisionsController } from './admin-divisions.controller';
import { Category } from './category.entity';
import { Division } from './division.entity';
import { OrganizationService } from './organization.service';

@Module({
  imports: [TypeOrmModule.forFeature([Division, Category]), UsersStoreModule],
  controllers: [AdminDivisionsController, AdminCategoriesController],
  providers: [OrganizationService],
  exports: [OrganizationService],
})
export class OrganizationModule {}
