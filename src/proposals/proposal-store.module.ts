import { Module } from '@nestjs/common';
import { ProposalRepository } from './proposal.repository';
import { RoutingRepository } from './routing.repository';

/**
 * The proposal aggregate's storage on its own (it needs only the global DbService), so the modules
 * that read or write proposals and routings — the proposals and review features, reminders,
 * dashboards — share one repository layer without importing each other.
 */
@Module({ providers: [ProposalRepository, RoutingRepository], exports: [ProposalRepository, RoutingRepository] })
export class ProposalStoreModule {}
