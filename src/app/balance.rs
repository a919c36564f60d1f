//! How many org leases a replica should hold: the orgs divided evenly between the live replicas,
//! no replica holding two more than another. Pure, so that the rule is table-tested apart from
//! the database and the clock.

/// What one replica sees in a renewal round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// Orgs configured.
    pub orgs: usize,
    /// Orgs this replica holds.
    pub mine: usize,
    /// How many orgs each live replica holds, this one included.
    pub loads: Vec<usize>,
}

/// What to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Hold what is held.
    Stay,
    /// Claim up to this many free orgs.
    Claim(usize),
    /// Give this many up.
    Release(usize),
}

impl Balance {
    /// The move towards an even share: above the ceiling, release the excess; below it, claim;
    /// at it, release one only when another replica holds two fewer (a replica that just
    /// started), so that shares even out without every replica giving orgs up at once.
    pub fn next_move(&self) -> Move {
        let replicas = self.loads.len().max(1);
        let ceiling = self.orgs.div_ceil(replicas);
        let least = self.loads.iter().copied().min().unwrap_or(0);
        if self.mine > ceiling {
            Move::Release(self.mine - ceiling)
        } else if self.mine < ceiling {
            Move::Claim(ceiling - self.mine)
        } else if self.mine >= least + 2 {
            Move::Release(1)
        } else {
            Move::Stay
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(orgs: usize, mine: usize, loads: &[usize]) -> Move {
        Balance {
            orgs,
            mine,
            loads: loads.to_vec(),
        }
        .next_move()
    }

    #[test]
    fn shares_even_out() {
        let table = [
            // (orgs, mine, loads, expected)
            (4, 0, vec![0], Move::Claim(4)),
            (4, 4, vec![4], Move::Stay),
            (4, 0, vec![0, 4], Move::Claim(2)),
            (4, 4, vec![4, 0], Move::Release(2)),
            (4, 2, vec![2, 2], Move::Stay),
            // A third replica starts: 2,2,0 → each holder gives one up.
            (4, 2, vec![2, 2, 0], Move::Release(1)),
            (4, 0, vec![2, 2, 0], Move::Claim(2)),
            (4, 2, vec![2, 1, 1], Move::Stay),
            (4, 1, vec![2, 1, 1], Move::Claim(1)),
            // Everything at the ceiling or one below: stable.
            (8, 2, vec![3, 3, 2], Move::Claim(1)),
            (8, 3, vec![3, 3, 2], Move::Stay),
            (1, 0, vec![1, 0, 0], Move::Claim(1)),
            (1, 1, vec![1, 0, 0], Move::Stay),
            (0, 0, vec![0], Move::Stay),
        ];
        for (orgs, mine, loads, expected) in table {
            assert_eq!(
                next(orgs, mine, &loads),
                expected,
                "{orgs} {mine} {loads:?}"
            );
        }
    }
}
