/** Automação: the Seller Center worker, its stats, the seller's profiles, the task queue and schedules. */
import { BotStatsCards } from "./BotStatsCards";
import { ProfilesPanel } from "./ProfilesPanel";
import { SchedulesPanel } from "./SchedulesPanel";
import { TasksPanel } from "./TasksPanel";
import { WorkerPanel } from "./WorkerPanel";

export function BotDashboard() {
  return (
    <div className="dashboard">
      <div className="grid-2">
        <WorkerPanel />
        <BotStatsCards />
      </div>
      <ProfilesPanel />
      <TasksPanel />
      <SchedulesPanel />
    </div>
  );
}
