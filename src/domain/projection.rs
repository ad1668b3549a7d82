//! The workforce projection: a stock-and-flow model of perfusionist supply against demand.
//!
//! ```text
//! supply(0)   = start_supply
//! supply(t+1) = max(0, supply(t) + graduates_per_year - exits_per_year)
//! demand(0)   = start_supply + start_shortage
//! demand(t)   = demand(0) * (1 + demand_growth_percent / 100)^t
//! gap(t)      = demand(t) - supply(t)
//! ```

/// The model's parameters, already validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub years: u32,
    pub graduates_per_year: f64,
    pub exits_per_year: f64,
    pub demand_growth_percent: f64,
    pub start_supply: f64,
    pub start_shortage: f64,
}

/// One year of the projection; `t` counts years from the start (0 is the current year).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectedYear {
    pub t: u32,
    pub supply: f64,
    pub demand: f64,
    pub gap: f64,
}

impl Projection {
    /// The current year and each of the next `years`: `years + 1` points.
    pub fn run(&self) -> Vec<ProjectedYear> {
        let growth = 1.0 + self.demand_growth_percent / 100.0;
        let demand0 = self.start_supply + self.start_shortage;
        let mut supply = self.start_supply;
        (0..=self.years)
            .map(|t| {
                if t > 0 {
                    supply = (supply + self.graduates_per_year - self.exits_per_year).max(0.0);
                }
                let demand = demand0 * growth.powi(t as i32);
                ProjectedYear {
                    t,
                    supply,
                    demand,
                    gap: demand - supply,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Projection {
        Projection {
            years: 10,
            graduates_per_year: 200.0,
            exits_per_year: 300.0,
            demand_growth_percent: 0.0,
            start_supply: 4522.0,
            start_shortage: 100.0,
        }
    }

    #[test]
    fn the_seed_figures_widen_the_gap_by_100_a_year() {
        let series = base().run();
        assert_eq!(series.len(), 11);
        assert_eq!(series[0].gap, 100.0);
        assert_eq!(series[1].supply, 4422.0);
        assert_eq!(series[10].gap, 1100.0);
        assert!(series.iter().all(|p| p.demand == 4622.0));
    }

    #[test]
    fn demand_grows_by_the_given_percentage() {
        let p = Projection {
            demand_growth_percent: 10.0,
            ..base()
        };
        let series = p.run();
        assert!((series[2].demand - 4622.0 * 1.21).abs() < 1e-6);
    }

    #[test]
    fn supply_never_goes_below_zero() {
        let p = Projection {
            start_supply: 100.0,
            exits_per_year: 1000.0,
            graduates_per_year: 0.0,
            ..base()
        };
        assert!(p.run().iter().all(|y| y.supply >= 0.0));
    }

    fn projection() -> impl Strategy<Value = Projection> {
        (
            1u32..=50,
            0.0..10_000.0f64,
            0.0..10_000.0f64,
            -50.0..50.0f64,
            0.0..100_000.0f64,
            -10_000.0..10_000.0f64,
        )
            .prop_map(|(years, g, e, r, s, short)| Projection {
                years,
                graduates_per_year: g,
                exits_per_year: e,
                demand_growth_percent: r,
                start_supply: s,
                start_shortage: short,
            })
    }

    proptest! {
        #[test]
        fn balanced_flows_keep_supply_flat(p in projection()) {
            let p = Projection { exits_per_year: p.graduates_per_year, ..p };
            for y in p.run() {
                prop_assert!((y.supply - p.start_supply).abs() < 1e-6);
            }
        }

        #[test]
        fn more_graduates_never_widen_the_gap(p in projection(), extra in 0.0..5_000.0f64) {
            let more = Projection { graduates_per_year: p.graduates_per_year + extra, ..p };
            for (a, b) in p.run().iter().zip(more.run()) {
                prop_assert!(b.gap <= a.gap + 1e-6, "{} > {}", b.gap, a.gap);
            }
        }

        #[test]
        fn there_is_one_point_per_year_plus_the_start(p in projection()) {
            let series = p.run();
            prop_assert_eq!(series.len() as u32, p.years + 1);
            prop_assert_eq!(series[0].supply, p.start_supply);
        }
    }
}
