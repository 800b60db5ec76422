/** Automação: the Seller Center worker, its stats, the seller's profiles and the task queue. */
import { BotStatsCards } from "./BotStatsCards";
import { ProfilesPanel } from "./ProfilesPanel";
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
    </div>
  );
}
