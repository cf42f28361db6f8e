import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Settings the office can change at run time (unlike the environment, which is fixed at start). */
@Entity('settings')
export class Setting {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;
}
