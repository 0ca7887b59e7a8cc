//! The alarm's schedule: the earliest of the leases' ends, the deliveries,
//! the alerts, the call-backs, the spend pulls, the hourly sample and a
//! change of shards.

use worker::js_sys;

use super::{now, skew, SiteObject, R};

impl SiteObject {
    /// Points the alarm at the earliest deadline: leases, deliveries, the hourly sample.
    pub(super) async fn schedule(&self) -> R<()> {
        let pools = self.pools_deadline();
        // Events to deliver, and an hourly pool sample and retention sweep while the site lives.
        let hourly = self
            .loaded
            .borrow()
            .as_ref()
            .map(|_| (now().millis().div_euclid(3_600_000) + 1) * 3_600_000);
        // While the count of shards changes, the coordinator looks for arrived numbers.
        let moving = self.loaded.borrow().as_ref().and_then(|l| {
            (l.shard == 0 && l.moving.is_some()).then(|| {
                now().millis() + l.site.config().heartbeat.millis().clamp(1_000, 60_000) as i64
            })
        });
        let next = [
            pools,
            self.next_delivery(),
            self.next_alert(),
            self.next_callback(),
            self.next_spend_pull(),
            hourly,
            moving,
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|t| t.max(now().millis()));
        if next != self.alarm_at.get() {
            match next {
                // A timestamp: `set_alarm(i64)` would take an offset from now.
                Some(t) => {
                    // The runtime's clock, behind the test clock by its skew.
                    let at = js_sys::Date::new(&js_sys::Number::from((t - skew()) as f64));
                    self.state
                        .storage()
                        .set_alarm(worker::ScheduledTime::new(at))
                        .await?
                }
                None => self.state.storage().delete_alarm().await?,
            }
            self.alarm_at.set(next);
        }
        Ok(())
    }

    /// When a lease ends next (ms since the epoch).
    pub(super) fn pools_deadline(&self) -> Option<i64> {
        self.loaded
            .borrow()
            .as_ref()
            .and_then(|l| l.site.next_deadline())
            .map(|t| t.millis())
    }

    /// After a change of the page's requests, which move only the pools'
    /// deadlines: the alarm is moved only when a lease ends before it.
    pub(super) async fn schedule_pools(&self) -> R<()> {
        let pools = self.pools_deadline();
        match (self.alarm_at.get(), pools) {
            (Some(alarm), Some(p)) if alarm <= p => Ok(()),
            (Some(_), None) => Ok(()),
            _ => self.schedule().await,
        }
    }
}
